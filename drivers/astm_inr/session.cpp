#include "drivers/astm_inr/session.h"

#include "drivers/astm_inr/parse.h"

namespace kotona::drivers::astm_inr {

Session::Session() : MessageSession("astm_inr", &parse_message) {}

}  // namespace kotona::drivers::astm_inr
