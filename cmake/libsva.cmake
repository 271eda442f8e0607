# libsva: the model as an installed library (docs/embedding.md).
#
# Both libraries hold the objects of sva_objs.  They export only the
# functions the public headers declare (sva/api.h); `install.example`
# checks that with nm against the installed headers.

# libsva.so.MAJOR -> libsva.so.VERSION
add_library(sva_shared SHARED)
target_link_libraries(sva_shared PRIVATE sva_objs m pthread)
set_target_properties(sva_shared PROPERTIES OUTPUT_NAME sva
                      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
# Every symbol resolved at link time - except under the sanitizers, whose
# runtime the program (built with -fsanitize too) brings.
if(NOT SVA_SANITIZE)
  target_link_options(sva_shared PRIVATE "LINKER:--no-undefined")
endif()

# libsva.a: one relocatable object whose hidden symbols are made local, so
# that a program linking it statically sees the same names as one linking
# libsva.so - the model's internal functions (idxd_*, dsa_*, ...) can
# neither clash with the program's nor be called by it.
set(SVA_STATIC_LIB ${PROJECT_BINARY_DIR}/libsva.a)
add_custom_command(OUTPUT ${SVA_STATIC_LIB}
  COMMAND ${CMAKE_LINKER} -r -o libsva_all.o $<TARGET_OBJECTS:sva_objs>
  COMMAND ${CMAKE_OBJCOPY} --localize-hidden libsva_all.o
  COMMAND ${CMAKE_COMMAND} -E rm -f ${SVA_STATIC_LIB}
  COMMAND ${CMAKE_AR} qcs ${SVA_STATIC_LIB} libsva_all.o
  DEPENDS $<TARGET_OBJECTS:sva_objs>
  WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
  COMMENT "Creating libsva.a"
  COMMAND_EXPAND_LISTS VERBATIM)
add_custom_target(sva_static ALL DEPENDS ${SVA_STATIC_LIB})
add_dependencies(sva_static sva_objs)

install(TARGETS sva_shared LIBRARY DESTINATION lib)
install(FILES ${SVA_STATIC_LIB} DESTINATION lib)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sva DESTINATION include)

# sva.pc names the prefix it was installed under (cmake --install --prefix
# may differ from the configured one), so it is written at install time.
install(CODE "
  set(SVA_VERSION \"${PROJECT_VERSION}\")
  set(SVA_DESCRIPTION \"${PROJECT_DESCRIPTION}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/cmake/sva.pc.in\" \"${PROJECT_BINARY_DIR}/sva.pc\" @ONLY)
")
install(FILES ${PROJECT_BINARY_DIR}/sva.pc DESTINATION lib/pkgconfig)

# find_package(sva): relocatable, found relative to its own directory.
include(CMakePackageConfigHelpers)
set(SVA_STATIC_DEPS ${JSONC_LINK_LIBRARIES} ${ISAL_LINK_LIBRARIES} m pthread)
configure_file(${PROJECT_SOURCE_DIR}/cmake/svaConfig.cmake.in
               ${PROJECT_BINARY_DIR}/svaConfig.cmake @ONLY)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/svaConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/svaConfig.cmake ${PROJECT_BINARY_DIR}/svaConfigVersion.cmake
        DESTINATION lib/cmake/sva)

# The example programs and scenarios, for the man page's EXAMPLES.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION share/sva/examples)
