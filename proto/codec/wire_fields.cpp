// wire.h batch_fields(): a generic walk over the generated messages by protobuf reflection, so
// a test can check the codes and units the hub put on the wire without naming protobuf types.
#include "proto/codec/messages.h"
#include "proto/codec/wire.h"

namespace kotona::wire {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string scalar_text(const Reflection& refl, const Message& m, const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return std::to_string(refl.GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return std::to_string(refl.GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(refl.GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return std::to_string(refl.GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return std::to_string(refl.GetDouble(m, f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return std::to_string(refl.GetFloat(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return refl.GetBool(m, f) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return refl.GetEnum(m, f)->name();
    case FieldDescriptor::CPPTYPE_STRING:
      return refl.GetString(m, f);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return {};
}

void walk(const Message& m, const std::string& prefix, ReadingFields& out) {
  const Reflection& refl = *m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  refl.ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->is_repeated()) continue;  // the measurement messages have none
    const std::string path = prefix.empty() ? f->name() : prefix + "." + f->name();
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      out[path].text = scalar_text(refl, m, f);
      continue;
    }
    const Message& sub = refl.GetMessage(m, f);
    if (sub.GetDescriptor() == detail::v1::Quantity::descriptor()) {
      const auto& q = static_cast<const detail::v1::Quantity&>(sub);
      out[path] = WireField{q.value(), q.ucum(), q.mdc_code(), ""};
    } else {
      walk(sub, path, out);
    }
  }
}

}  // namespace

Result<std::map<std::string, ReadingFields>> batch_fields(std::string_view bytes) {
  detail::v1::ReadingBatch batch;
  if (!batch.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(Errc::kMalformed, "not a kotona.v1.ReadingBatch");
  }
  std::map<std::string, ReadingFields> out;
  for (const auto& r : batch.readings()) {
    ReadingFields fields;
    const auto* measurement = r.GetReflection()->GetOneofFieldDescriptor(
        r, r.GetDescriptor()->FindOneofByName("measurement"));
    if (measurement) {
      walk(r.GetReflection()->GetMessage(r, measurement), measurement->name(), fields);
    }
    out[r.reading_uid()] = std::move(fields);
  }
  return out;
}

}  // namespace kotona::wire
