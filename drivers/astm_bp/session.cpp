#include "drivers/astm_bp/session.h"

#include "drivers/astm_bp/parse.h"

namespace kotona::drivers::astm_bp {

Session::Session() : MessageSession("astm_bp", &parse_message) {}

}  // namespace kotona::drivers::astm_bp
