# bench/milter.cmake: Postfix throughput with cadence-milter against no
# milter, a do-nothing milter and OpenDKIM (bench/milter-bench.sh; root,
# a private Postfix). `make bench` runs it; it prints name: value lines.
add_executable(nullmilter ${CMAKE_CURRENT_LIST_DIR}/nullmilter.c)
target_link_libraries(nullmilter PRIVATE PkgConfig::MILTER Threads::Threads)
add_custom_target(bench-milter
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/milter-bench.sh
        $<TARGET_FILE:cadence-milter> $<TARGET_FILE:nullmilter>
        $<TARGET_FILE:cad-milter-storetool> ${CMAKE_SOURCE_DIR}
    DEPENDS cadence-milter nullmilter cad-milter-storetool
    USES_TERMINAL)
add_dependencies(bench bench-milter)
