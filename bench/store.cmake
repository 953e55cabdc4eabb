# The store benchmark: 1,000,000 enrollments (see bench_store.c).
add_executable(bench_store ${CMAKE_CURRENT_SOURCE_DIR}/bench_store.c)
target_link_libraries(bench_store PRIVATE cad_core)
add_custom_target(bench_store_run COMMAND bench_store 1000000
    DEPENDS bench_store USES_TERMINAL
    COMMENT "store: 1,000,000 enrollments")
add_dependencies(bench bench_store_run)
