// Inside proto/codec/ only: the one file that includes the generated protobuf header, and the
// Reading <-> message conversions the envelope codecs (batch) share.
#pragma once

#include "core/reading.h"
#include "core/result.h"
#include "kotona/v1/readings.pb.h"

namespace kotona::wire::detail {

namespace v1 = ::kotona::v1;

void to_proto(const Reading& in, v1::Reading& out);               // reading_encode.cpp
[[nodiscard]] Result<Reading> from_proto(const v1::Reading& in);  // reading_decode.cpp

}  // namespace kotona::wire::detail
