// The doctest main of every test binary. doctest passes a run whose filter matched no test
// case, and ctest runs each case by name (doctest_discover_tests): a TEST_CASE name with a ';'
// was cut there, so its entry selected nothing and passed. 96 cases in 51 files were "passing"
// that way, unrun, until this main made such a run fail.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string_view>

namespace {

struct RunCount {
  bool ended = false;
  unsigned matched = 0;  // test cases that passed the filters
};
RunCount g_run;

class MatchCounter : public doctest::IReporter {
 public:
  explicit MatchCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_run.ended = true;
    g_run.matched = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("kotona_match_counter", 1, MatchCounter);

bool selects_test_cases(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.starts_with("--test-case=") || arg.starts_with("-tc=") ||
        arg.starts_with("--dt-test-case=") || arg.starts_with("--dt-tc=")) {
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int rc = context.run();
  if (context.shouldExit()) return rc;  // --help, --list-test-cases, ...
  if (rc == 0 && g_run.ended && g_run.matched == 0 && selects_test_cases(argc, argv)) {
    std::fprintf(stderr,
                 "error: the --test-case filter matched no test case: nothing was tested (a ';' "
                 "in a TEST_CASE name cuts it under ctest; use ',')\n");
    return 1;
  }
  return rc;
}
