// Name-based UUIDs (RFC 4122 version 5, SHA-1) for FHIR resource ids and fullUrls: the same
// patient, device or reading always gets the same id, in every export. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace kotona::server::fhir {

// The Kotona namespace UUID every name is hashed under.
inline constexpr std::string_view kNamespaceUuid = "ab228885-1b6e-48d6-9010-081166b9da1a";

// Lower-case "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx" for `name` under `namespace_uuid`.
// REQUIRES: namespace_uuid is a canonical UUID text.
std::string name_uuid(std::string_view name, std::string_view namespace_uuid = kNamespaceUuid);

}  // namespace kotona::server::fhir
