// ConfigFile: the "key = value" text format of every Kotona config file. '#' starts a comment
// line; a key may repeat (lists). Parsing is pure; typed getters return clear errors that name
// the file, line and key. Value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kotona {

class ConfigFile {
 public:
  struct Entry {
    std::string key;
    std::string value;
    int line = 0;
  };

  // Errors: kConfig for a line without '=', an empty key, or an unreadable file.
  [[nodiscard]] static Result<ConfigFile> parse(std::string_view text, std::string source_name);
  [[nodiscard]] static Result<ConfigFile> load(const std::string& path);

  // Required string. Error kConfig naming the key when missing or given twice.
  [[nodiscard]] Result<std::string> get(std::string_view key) const;
  std::string get_or(std::string_view key, std::string fallback) const;
  // Integer in [min, max]. Error kConfig when not a number or out of range.
  [[nodiscard]] Result<std::int64_t> get_int(std::string_view key, std::int64_t fallback,
                                             std::int64_t min, std::int64_t max) const;
  std::vector<Entry> all(std::string_view key) const;
  // Keys present in the file that are not in `known`: reported so typos are not silent.
  std::vector<Entry> unknown_keys(const std::vector<std::string_view>& known) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<Entry> entries_;
};

}  // namespace kotona
