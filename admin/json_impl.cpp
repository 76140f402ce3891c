// kotona-admin's one translation unit for header-only Boost.JSON.
#include <boost/json/src.hpp>
