#include "tests/reliability/power_loss_vfs.h"

#include <sqlite3.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace kotona::reliability {

namespace {

struct Write {
  std::int64_t offset;
  std::string bytes;  // empty + truncate: a truncation to `offset`
  bool truncate = false;
};

struct FileModel {
  std::string durable;  // content as of the last sync (or at first open)
  std::vector<Write> pending;
};

struct State {
  sqlite3_vfs* real = nullptr;
  sqlite3_vfs shim{};
  std::map<std::string, FileModel> files;
  std::int64_t crash_at = 0;
  bool ignore_syncs = false;
  CutAt cut_at = CutAt::kSync;
  bool lost = false;
  PowerLossStats stats;
};

State& state() {
  static State s;
  return s;
}

struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;  // allocated right after this struct
  std::string path;    // empty for files we do not model (temp files)
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real; }

int x_close(sqlite3_file* f) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  int rc = s->real->pMethods ? s->real->pMethods->xClose(s->real) : SQLITE_OK;
  s->path.~basic_string();
  return rc;
}
int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return real_of(f)->pMethods->xRead(real_of(f), buf, n, off);
}
// CutAt::kWrite: counts a write to a modelled file; true when the power goes before it.
bool cut_before_write() {
  State& st = state();
  ++st.stats.writes;
  if (st.cut_at == CutAt::kWrite && st.crash_at > 0 && st.stats.writes >= st.crash_at) {
    st.lost = true;
    return true;
  }
  return false;
}

int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  if (state().lost) return SQLITE_IOERR_WRITE;
  if (!s->path.empty() && cut_before_write()) return SQLITE_IOERR_WRITE;
  if (!s->path.empty()) {
    state().files[s->path].pending.push_back(
        {off, std::string(static_cast<const char*>(buf), static_cast<std::size_t>(n))});
  }
  return s->real->pMethods->xWrite(s->real, buf, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  if (state().lost) return SQLITE_IOERR_TRUNCATE;
  if (!s->path.empty() && cut_before_write()) return SQLITE_IOERR_TRUNCATE;
  if (!s->path.empty()) state().files[s->path].pending.push_back({size, {}, true});
  return s->real->pMethods->xTruncate(s->real, size);
}
int x_sync(sqlite3_file* f, int flags) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  State& st = state();
  if (st.lost) return SQLITE_IOERR_FSYNC;
  if (s->path.empty()) return SQLITE_OK;
  ++st.stats.syncs;
  if (st.cut_at == CutAt::kSync && st.crash_at > 0 && st.stats.syncs >= st.crash_at) {
    st.lost = true;  // the power goes before this sync completes
    return SQLITE_IOERR_FSYNC;
  }
  (void)flags;  // the real fsync is skipped: the model is the disk
  if (!st.ignore_syncs) {
    auto& model = st.files[s->path];
    model.durable = read_all(s->path);
    model.pending.clear();
  }
  return SQLITE_OK;
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int x_lock(sqlite3_file* f, int l) { return real_of(f)->pMethods->xLock(real_of(f), l); }
int x_unlock(sqlite3_file* f, int l) { return real_of(f)->pMethods->xUnlock(real_of(f), l); }
int x_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int x_device_chars(sqlite3_file* f) {
  // No SAFE_APPEND / POWERSAFE_OVERWRITE promises: SQLite must not rely on the disk's help.
  (void)f;
  return 0;
}
int x_shm_map(sqlite3_file* f, int pg, int pgsz, int extend, void volatile** pp) {
  return real_of(f)->pMethods->xShmMap(real_of(f), pg, pgsz, extend, pp);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int x_shm_unmap(sqlite3_file* f, int del) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}

const sqlite3_io_methods kMethods = {
    2,  // version 2: shared memory (WAL), no memory-mapped I/O (xFetch would bypass xRead)
    x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
    x_check_reserved, x_file_control, x_sector_size, x_device_chars, x_shm_map, x_shm_lock,
    x_shm_barrier, x_shm_unmap, nullptr, nullptr};

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  State& st = state();
  auto* s = reinterpret_cast<ShimFile*>(f);
  s->real = reinterpret_cast<sqlite3_file*>(s + 1);
  new (&s->path) std::string();
  s->base.pMethods = nullptr;
  int rc = st.real->xOpen(st.real, name, s->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    s->path.~basic_string();
    return rc;
  }
  s->base.pMethods = &kMethods;
  if (name != nullptr && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL))) {
    s->path = name;
    if (!st.files.contains(s->path)) st.files[s->path].durable = read_all(s->path);
  }
  (void)vfs;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  if (state().lost) return SQLITE_IOERR_DELETE;
  // The file is gone: a file later created under the same name (a new WAL after a clean
  // close) starts empty, so the old one's durable content must not be laid under its writes.
  // (Found by the write-point cuts: keeping it resurrected stale WAL frames under a new
  // header, a model artefact, not an outbox loss.)
  if (name != nullptr) state().files.erase(name);
  return state().real->xDelete(state().real, name, sync_dir);
}
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return state().real->xAccess(state().real, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return state().real->xFullPathname(state().real, name, n, out);
}
void* x_dl_open(sqlite3_vfs*, const char* name) { return state().real->xDlOpen(state().real, name); }
void x_dl_error(sqlite3_vfs*, int n, char* msg) { state().real->xDlError(state().real, n, msg); }
void (*x_dl_sym(sqlite3_vfs*, void* h, const char* sym))(void) {
  return state().real->xDlSym(state().real, h, sym);
}
void x_dl_close(sqlite3_vfs*, void* h) { state().real->xDlClose(state().real, h); }
int x_randomness(sqlite3_vfs*, int n, char* out) {
  return state().real->xRandomness(state().real, n, out);
}
int x_sleep(sqlite3_vfs*, int us) { return state().real->xSleep(state().real, us); }
int x_current_time(sqlite3_vfs*, double* out) {
  return state().real->xCurrentTime(state().real, out);
}
int x_get_last_error(sqlite3_vfs*, int n, char* out) {
  return state().real->xGetLastError(state().real, n, out);
}
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return state().real->xCurrentTimeInt64(state().real, out);
}

}  // namespace

void install_power_loss_vfs() {
  State& st = state();
  if (st.real != nullptr) return;
  st.real = sqlite3_vfs_find(nullptr);
  sqlite3_vfs& v = st.shim;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(sizeof(ShimFile)) + st.real->szOsFile;
  v.mxPathname = st.real->mxPathname;
  v.zName = "kotona-power-loss";
  v.xOpen = x_open;
  v.xDelete = x_delete;
  v.xAccess = x_access;
  v.xFullPathname = x_full_pathname;
  v.xDlOpen = x_dl_open;
  v.xDlError = x_dl_error;
  v.xDlSym = x_dl_sym;
  v.xDlClose = x_dl_close;
  v.xRandomness = x_randomness;
  v.xSleep = x_sleep;
  v.xCurrentTime = x_current_time;
  v.xGetLastError = x_get_last_error;
  v.xCurrentTimeInt64 = x_current_time_int64;
  sqlite3_vfs_register(&v, 1);
}

void arm_power_loss(std::int64_t crash_at, bool ignore_syncs, CutAt at) {
  State& st = state();
  st.files.clear();
  st.crash_at = crash_at;
  st.cut_at = at;
  st.ignore_syncs = ignore_syncs;
  st.lost = false;
  st.stats = {};
}

bool power_lost() { return state().lost; }

PowerLossStats power_loss_stats() { return state().stats; }

void apply_power_loss(std::mt19937& rng) {
  State& st = state();
  std::uniform_int_distribution<int> fate(0, 2);  // 0 kept, 1 dropped, 2 garbled
  for (auto& [path, model] : st.files) {
    std::string image = model.durable;
    for (const auto& w : model.pending) {
      int f = fate(rng);
      if (f == 1) {
        ++st.stats.dropped;
        continue;
      }
      auto off = static_cast<std::size_t>(w.offset);
      if (w.truncate) {
        image.resize(off);
        ++st.stats.kept;
        continue;
      }
      std::string bytes = w.bytes;
      if (f == 2) {  // torn: a random tail of the write is garbage
        std::uniform_int_distribution<std::size_t> cut(0, bytes.size());
        for (std::size_t i = cut(rng); i < bytes.size(); ++i) {
          bytes[i] = static_cast<char>(rng() & 0xff);
        }
        ++st.stats.garbled;
      } else {
        ++st.stats.kept;
      }
      if (image.size() < off + bytes.size()) image.resize(off + bytes.size(), '\0');
      std::memcpy(image.data() + off, bytes.data(), bytes.size());
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(image.data(), static_cast<std::streamsize>(image.size()));
    std::error_code ec;
    std::filesystem::remove(path + "-shm", ec);  // shared memory does not survive a power cut
  }
  st.files.clear();
  st.lost = false;
  st.crash_at = 0;
}

}  // namespace kotona::reliability
