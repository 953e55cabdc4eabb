# bench/cli.cmake: `cadencectl list` over 1,000,000 enrollments (see
# bench_cli.c): wall time, peak RSS, time to the first line, and what a
# stalled reader of its output costs the store.
add_executable(bench_cli ${CMAKE_CURRENT_LIST_DIR}/bench_cli.c
    ${CMAKE_SOURCE_DIR}/tests/tools/proc.c)
# It reads the reader table with LMDB itself (mdb_reader_list).
target_link_libraries(bench_cli PRIVATE cad_core PkgConfig::LMDB)
set(CAD_BENCH_CLI_COUNT 1000000 CACHE STRING
    "enrollments in the cadencectl benchmark")
add_custom_target(bench_cli_run
    COMMAND bench_cli $<TARGET_FILE:cadencectl> ${CMAKE_SOURCE_DIR}
        ${CAD_BENCH_CLI_COUNT}
    DEPENDS bench_cli cadencectl USES_TERMINAL
    COMMENT "cadencectl list: 1,000,000 enrollments")
add_dependencies(bench bench_cli_run)
