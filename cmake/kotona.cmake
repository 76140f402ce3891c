# Helpers every folder's CMakeLists.txt uses (STYLE.md §2). A folder's target is named by its
# path: drivers/gatt -> kotona_drivers_gatt, alias kotona::drivers_gatt.

option(KOTONA_SANITIZE "Build with ASan + UBSan" OFF)
# Negative controls for tests/reliability: a deliberately broken build the harness must catch.
# Never set outside the harness's own build directories. Values: none, delete_on_puback
# (gateway deletes outbox rows on PUBACK), no_unique_key (server stores every redelivery),
# sync_off (gateway outbox with synchronous=OFF), in_memory_escalation (server escalation
# deadlines in memory, not rows: lost on restart), ble_no_reset_check (ble_glucose never checks
# the record at its cursor: a meter whose counter restarted loses its new records 1..N),
# no_refused_report (the hub never reports records its drivers refused: no device.record_refused),
# no_pg_reconnect (the server store never replaces a lost PostgreSQL session), no_inflight_cap
# (the hub sends its whole backlog at once), no_client_renewal (the hub never makes a fresh
# Paho client), no_space_reserve (the outbox never releases its reserve file on a full disk),
# silent_store_errors (store write failures reach neither readiness nor store.unwritable),
# hid_no_wake (the hub never writes the wake-up report to a USB HID meter: it stays silent),
# group_all_or_nothing (the ingest group commit without a savepoint per batch), ack_on_receipt
# (the server acks a batch before its group commits).
# Run by tests/reliability/negative_control.sh (ctest label reliability), one shared tree.
set(KOTONA_BROKEN "none" CACHE STRING "Deliberately broken build for negative controls")
set_property(CACHE KOTONA_BROKEN PROPERTY STRINGS none delete_on_puback no_unique_key sync_off
                                              in_memory_escalation ble_no_reset_check
                                              no_refused_report no_pg_reconnect no_inflight_cap
                                              no_client_renewal no_space_reserve
                                              silent_store_errors hid_no_wake
                                              group_all_or_nothing ack_on_receipt
                                              no_publish_watchdog)
get_property(kotona_broken_switches CACHE KOTONA_BROKEN PROPERTY STRINGS)
if(NOT KOTONA_BROKEN IN_LIST kotona_broken_switches)
  message(FATAL_ERROR "KOTONA_BROKEN=${KOTONA_BROKEN} is not a switch: one of ${kotona_broken_switches}")
endif()
if(NOT KOTONA_BROKEN STREQUAL "none")
  message(WARNING "KOTONA_BROKEN=${KOTONA_BROKEN}: this build is broken on purpose (loses readings or escalations)")
endif()
# kotona_broken(SWITCH SOURCE...): with KOTONA_BROKEN=SWITCH, defines KOTONA_BROKEN_<SWITCH>=1
# in these sources of the current directory only. Per source, not per target, so moving the
# shared negative-control tree from one switch to the next recompiles a file or two.
function(kotona_broken switch)
  if(KOTONA_BROKEN STREQUAL switch)
    string(TOUPPER "KOTONA_BROKEN_${switch}" macro)
    set_property(SOURCE ${ARGN} APPEND PROPERTY COMPILE_DEFINITIONS ${macro}=1)
  endif()
endfunction()

# kotona_gcc_coroutine_frames(SOURCE...): GCC 12 misreads a coroutine frame freed by Asio's own
# operator delete (awaitable_frame_base, the one that allocated it) as a mismatched new/delete.
# Which coroutine it hits moves with inlining: aarch64-linux-gnu-g++ 12 at -O2 failed on two
# (the arm64 ctest, 2026-12-07) whose native build passed. A false positive: off for the sources
# named (per source, so the rest of the tree keeps the warning and its ccache entries).
function(kotona_gcc_coroutine_frames)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set_property(SOURCE ${ARGN} APPEND PROPERTY COMPILE_OPTIONS -Wno-mismatched-new-delete)
  endif()
endfunction()

set(KOTONA_WARNINGS -Wall -Wextra -Wshadow -Wconversion -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # clang's -Wconversion also warns on sign changes, which GCC's (the house compiler) does not.
  list(APPEND KOTONA_WARNINGS -Wno-sign-conversion)
endif()

# kotona_target_name(<out-var>): target name for the current folder.
function(kotona_target_name out)
  file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}")
  string(REGEX REPLACE "[/-]" "_" name "${rel}")
  set(${out} "kotona_${name}" PARENT_SCOPE)
endfunction()

function(kotona_apply_flags target)
  target_compile_options(${target} PRIVATE ${KOTONA_WARNINGS})
  if(KOTONA_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# kotona_library(SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
function(kotona_library)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  kotona_target_name(target)
  string(REPLACE "kotona_" "" alias "${target}")
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(kotona::${alias} ALIAS ${target})
  target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>")
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  kotona_apply_flags(${target})
  set(KOTONA_CURRENT_TARGET ${target} PARENT_SCOPE)
endfunction()

# kotona_executable(<name> SOURCES ... [DEPS ...])
function(kotona_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  kotona_apply_flags(${name})
endfunction()

# kotona_test(<name> SOURCES ... [DEPS ...] [LABELS ...] [TIMEOUT s])
# One doctest binary per target; every TEST_CASE becomes one ctest test.
function(kotona_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} doctest::doctest kotona_doctest_main)
  kotona_apply_flags(${name})
  doctest_discover_tests(${name}
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    ADD_LABELS 0
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

# kotona_fuzz(<name> SOURCES ... DEPS ... CORPUS dir)
# Under clang with KOTONA_LIBFUZZER=ON: a libFuzzer binary. Under GCC: a replay test that
# feeds every file of CORPUS to LLVMFuzzerTestOneInput, so the target never rots.
# tools/fuzz.sh drives the libFuzzer build: every library is compiled with coverage
# instrumentation (fuzzer-no-link) + ASan/UBSan, so the fuzzer sees inside the parsers, and target
# kotona_fuzzers builds every fuzz binary (each names its seed corpus in fuzz-targets/<name>).
option(KOTONA_LIBFUZZER "Build fuzz targets as libFuzzer binaries (clang only)" OFF)
if(KOTONA_LIBFUZZER)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "KOTONA_LIBFUZZER needs clang (CXX=clang++); use tools/fuzz.sh")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  add_custom_target(kotona_fuzzers)
endif()
function(kotona_fuzz name)
  cmake_parse_arguments(ARG "" "CORPUS" "SOURCES;DEPS" ${ARGN})
  if(KOTONA_LIBFUZZER)
    add_executable(${name} ${ARG_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
    add_dependencies(kotona_fuzzers ${name})
    file(WRITE "${CMAKE_BINARY_DIR}/fuzz-targets/${name}" "${ARG_CORPUS}\n")
  else()
    add_executable(${name}_replay ${ARG_SOURCES})
    target_link_libraries(${name}_replay PRIVATE ${ARG_DEPS} kotona_fuzz_replay_main)
    kotona_apply_flags(${name}_replay)
    add_test(NAME "${name}: corpus replay" COMMAND ${name}_replay "${ARG_CORPUS}")
    set_tests_properties("${name}: corpus replay" PROPERTIES LABELS "unit;fuzz" TIMEOUT 120)
  endif()
endfunction()

# The store tests' second backend. tests/CMakeLists.txt starts a private PostgreSQL cluster in
# KOTONA_PG_TEST_DIR as ctest fixture "postgres" (tests/support/pg_cluster.sh).
# kotona_postgres_variant(<test target> [SERIAL] [LABELS ...] [TIMEOUT s]): runs the whole test binary once
# more as ctest test "<target> [postgresql]" with every store it opens through
# tests/support/store_location.h in a fresh PostgreSQL database of that cluster.
set(KOTONA_PG_TEST_DIR "${PROJECT_BINARY_DIR}/pg-test")
execute_process(COMMAND "${PROJECT_SOURCE_DIR}/tests/support/pg_cluster.sh" uri "${KOTONA_PG_TEST_DIR}"
                OUTPUT_VARIABLE KOTONA_PG_TEST_URI OUTPUT_STRIP_TRAILING_WHITESPACE)
function(kotona_postgres_variant target)
  cmake_parse_arguments(ARG "SERIAL" "TIMEOUT" "LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_test(NAME "${target} [postgresql]" COMMAND ${target})
  set_tests_properties("${target} [postgresql]" PROPERTIES
    LABELS "${ARG_LABELS};postgresql" FIXTURES_REQUIRED postgres TIMEOUT ${ARG_TIMEOUT}
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    ENVIRONMENT "KOTONA_TEST_POSTGRES=${KOTONA_PG_TEST_URI}")
  if(ARG_SERIAL)
    set_tests_properties("${target} [postgresql]" PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()
