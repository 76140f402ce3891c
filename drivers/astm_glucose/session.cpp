#include "drivers/astm_glucose/session.h"

#include "drivers/astm_glucose/parse.h"

namespace kotona::drivers::astm_glucose {

Session::Session() : MessageSession("astm_glucose", &parse_message) {}

}  // namespace kotona::drivers::astm_glucose
