# bench/sender.cmake: cadence-sender against Postfix's smtp-source, both
# to cad-sink on loopback (included by bench/CMakeLists.txt).
if(NOT TARGET cad-sink)
  add_subdirectory(${CMAKE_SOURCE_DIR}/tests/tools ${CMAKE_BINARY_DIR}/tests/tools)
endif()
add_executable(bench_sender ${CMAKE_CURRENT_LIST_DIR}/bench_sender.c)
target_link_libraries(bench_sender PRIVATE cad_sender)
set(CAD_BENCH_SENDER_STEPS 20000 CACHE STRING "steps in the sender benchmark")
# Two runs: the daemon's defaults (4 sessions of 20, which bound what a
# crash leaves "sending" to 80 steps), and a bulk setting (8 sessions of
# 50) that a large backlog would use; both print their ratio.
add_custom_target(bench_sender_run
    COMMAND ${CMAKE_COMMAND} -E echo "sender_setting: defaults (--sessions 4 --batch 20)"
    COMMAND bench_sender $<TARGET_FILE:cadence-sender> $<TARGET_FILE:cad-sink>
        ${CAD_BENCH_SENDER_STEPS}
    COMMAND ${CMAKE_COMMAND} -E echo "sender_setting: bulk (--sessions 8 --batch 50)"
    COMMAND ${CMAKE_COMMAND} -E env CAD_BENCH_SESSIONS=8 CAD_BENCH_BATCH=50
        $<TARGET_FILE:bench_sender> $<TARGET_FILE:cadence-sender> $<TARGET_FILE:cad-sink>
        ${CAD_BENCH_SENDER_STEPS}
    DEPENDS bench_sender cadence-sender cad-sink
    USES_TERMINAL
    COMMENT "cadence-sender vs smtp-source")
add_dependencies(bench bench_sender_run)
