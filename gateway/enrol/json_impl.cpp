// The hub's one translation unit for header-only Boost.JSON (the enrolment answer).
#include <boost/json/src.hpp>
