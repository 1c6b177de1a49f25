# cairn_module(NAME SOURCES ... DEPS ...): one static library per module, so that the build
# enforces who may include whom (see README "Architecture").
function(cairn_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(cairn_${name} STATIC ${M_SOURCES})
  target_include_directories(cairn_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(cairn_${name} PUBLIC ${M_DEPS})
endfunction()

# cairn_test(NAME LABEL SOURCES ... DEPS ...): a GoogleTest binary registered with ctest.
function(cairn_test name)
  cmake_parse_arguments(T "" "LABEL" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  set(env "")
  if(CAIRN_SANITIZE STREQUAL "thread")
    # RocksDB (uninstrumented) batches writes across threads; TSan cannot see its sync.
    set(env "TSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/tsan.supp halt_on_error=1")
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${T_LABEL}" ENVIRONMENT "${env}"
                       DISCOVERY_TIMEOUT 60)
endfunction()
