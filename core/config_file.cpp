#include "core/config_file.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace kotona {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
}  // namespace

Result<ConfigFile> ConfigFile::parse(std::string_view text, std::string source_name) {
  ConfigFile file;
  file.source_ = std::move(source_name);
  int line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto eq = line.find('=');
    std::string where = file.source_ + ":" + std::to_string(line_no);
    if (eq == std::string_view::npos) {
      return fail(Errc::kConfig, where + ": expected 'key = value'");
    }
    std::string_view key = trim(line.substr(0, eq));
    if (key.empty()) return fail(Errc::kConfig, where + ": empty key");
    file.entries_.push_back({std::string(key), std::string(trim(line.substr(eq + 1))), line_no});
  }
  return file;
}

Result<ConfigFile> ConfigFile::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(Errc::kConfig, "cannot read config file " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path);
}

Result<std::string> ConfigFile::get(std::string_view key) const {
  auto found = all(key);
  if (found.empty()) return fail(Errc::kConfig, source_ + ": missing key '" + std::string(key) + "'");
  if (found.size() > 1) {
    return fail(Errc::kConfig, source_ + ":" + std::to_string(found[1].line) + ": key '" +
                                   std::string(key) + "' given twice");
  }
  return found.front().value;
}

std::string ConfigFile::get_or(std::string_view key, std::string fallback) const {
  auto found = all(key);
  return found.empty() ? fallback : found.back().value;
}

Result<std::int64_t> ConfigFile::get_int(std::string_view key, std::int64_t fallback,
                                         std::int64_t min, std::int64_t max) const {
  auto found = all(key);
  if (found.empty()) return fallback;
  const Entry& e = found.back();
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(e.value.data(), e.value.data() + e.value.size(), value);
  std::string where = source_ + ":" + std::to_string(e.line) + ": '" + e.key + "'";
  if (ec != std::errc{} || ptr != e.value.data() + e.value.size()) {
    return fail(Errc::kConfig, where + " must be an integer, got '" + e.value + "'");
  }
  if (value < min || value > max) {
    return fail(Errc::kConfig, where + " must be in [" + std::to_string(min) + ", " +
                                   std::to_string(max) + "], got " + e.value);
  }
  return value;
}

std::vector<ConfigFile::Entry> ConfigFile::all(std::string_view key) const {
  std::vector<Entry> out;
  for (const auto& e : entries_) {
    if (e.key == key) out.push_back(e);
  }
  return out;
}

std::vector<ConfigFile::Entry> ConfigFile::unknown_keys(
    const std::vector<std::string_view>& known) const {
  std::vector<Entry> out;
  for (const auto& e : entries_) {
    if (std::find(known.begin(), known.end(), e.key) == known.end()) out.push_back(e);
  }
  return out;
}

}  // namespace kotona
