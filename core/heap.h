#pragma once
#include <cstddef>

namespace kotona {

// Asks glibc's malloc to keep freed memory for reuse instead of handing it back to the kernel
// after every large free (issue 15). With the defaults, freeing a group's row vector (a few
// hundred kB) at the top of the heap trimmed it (brk down), and the next group grew it again:
// each trim unmaps pages, and on the bench's VM the TLB shootdown of every unmap was ~20 % of
// the server's CPU per reading (perf: free -> systrim -> brk -> flush_tlb_mm_range).
// Allocations up to `mmap_threshold` come from the heap; free memory at its top is returned
// only beyond `trim_threshold`. The cost is RSS: what a peak allocated stays resident (up to
// `trim_threshold` more than now). Returns false where the allocator is not glibc's.
bool keep_freed_heap(std::size_t mmap_threshold, std::size_t trim_threshold);

}  // namespace kotona
