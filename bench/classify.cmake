# bench/classify.cmake: the inbound classifier against Sisimai and
# flufl.bounce on the labelled corpus (CADENCE_CORPUS_DIR).
set(CADENCE_CORPUS_DIR "${CMAKE_SOURCE_DIR}/../shared/corpus/mail"
    CACHE PATH "Labelled mail for the classifier benchmark")
add_executable(bench_classify ${CMAKE_CURRENT_SOURCE_DIR}/bench_classify.c)
target_link_libraries(bench_classify PRIVATE cad_mail)
add_custom_target(bench_classify_run
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run-classify
        $<TARGET_FILE:bench_classify> ${CADENCE_CORPUS_DIR}
    DEPENDS bench_classify
    USES_TERMINAL
    COMMENT "classifier benchmark")
add_dependencies(bench bench_classify_run)
# classify_dump: what bench/classify-same compares between two revisions.
add_executable(classify_dump ${CMAKE_CURRENT_SOURCE_DIR}/classify_dump.c)
target_link_libraries(classify_dump PRIVATE cad_mail)
