// The server's one translation unit for header-only Boost.JSON (every server target that
// uses Boost.JSON links kotona_server_store).
#include <boost/json/src.hpp>
