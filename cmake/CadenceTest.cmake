# cad_add_criterion_test(NAME SOURCES... [LIBS ...] [TIMEOUT s] [ENV ...])
# One Criterion executable per suite, registered with CTest. GLib criticals
# abort the test; a sanitizer report fails it even when the exit code is 0
# (LeakSanitizer does not change Criterion's exit status).
pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)

function(cad_add_criterion_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;ENV" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(t_${name} ${T_SOURCES})
  if(NOT T_LIBS)
    set(T_LIBS cadence)
  endif()
  target_link_libraries(t_${name} PRIVATE PkgConfig::CRITERION ${T_LIBS})
  target_compile_definitions(t_${name} PRIVATE
      CAD_SOURCE_DIR="${CMAKE_SOURCE_DIR}" CAD_BINARY_DIR="${CMAKE_BINARY_DIR}")
  add_test(NAME ${name} COMMAND t_${name} --color=never -j2)
  set_tests_properties(${name} PROPERTIES
      TIMEOUT ${T_TIMEOUT}
      ENVIRONMENT "LC_ALL=C.UTF-8;G_DEBUG=fatal-warnings,fatal-criticals;G_SLICE=always-malloc;ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1;CAD_SOURCE_DIR=${CMAKE_SOURCE_DIR};CAD_BINARY_DIR=${CMAKE_BINARY_DIR};${T_ENV}"
      FAIL_REGULAR_EXPRESSION "ERROR: (Leak|Address|Undefined)Sanitizer|runtime error:")
endfunction()
