#include "core/heap.h"

#include <climits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kotona {

bool keep_freed_heap(std::size_t mmap_threshold, std::size_t trim_threshold) {
#if defined(__GLIBC__)
  if (mmap_threshold > INT_MAX || trim_threshold > INT_MAX) return false;
  // Setting either one turns glibc's dynamic thresholds off, so both are set together: a
  // fixed trim threshold alone would leave the mmap threshold at 128 kB, and every larger
  // vector would be mapped and unmapped on its own.
  return mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold)) == 1 &&
         mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_threshold)) == 1;
#else
  (void)mmap_threshold;
  (void)trim_threshold;
  return false;
#endif
}

}  // namespace kotona
