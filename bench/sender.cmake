# bench/sender.cmake: cadence-sender against Postfix's smtp-source, both
# to cad-sink on loopback (included by bench/CMakeLists.txt).
if(NOT TARGET cad-sink)
  add_subdirectory(${CMAKE_SOURCE_DIR}/tests/tools ${CMAKE_BINARY_DIR}/tests/tools)
endif()
add_executable(bench_sender ${CMAKE_CURRENT_LIST_DIR}/bench_sender.c)
target_link_libraries(bench_sender PRIVATE cad_sender)
set(CAD_BENCH_SENDER_STEPS 20000 CACHE STRING "steps in the sender benchmark")
add_custom_target(bench_sender_run
    COMMAND bench_sender $<TARGET_FILE:cadence-sender> $<TARGET_FILE:cad-sink>
        ${CAD_BENCH_SENDER_STEPS}
    DEPENDS bench_sender cadence-sender cad-sink
    USES_TERMINAL
    COMMENT "cadence-sender vs smtp-source")
add_dependencies(bench bench_sender_run)
