# highport_soname(VAR LIBRARY): the SONAME of the shared library file LIBRARY,
# the name highport gives dlopen for the libraries it loads only when a
# command needs them (src/model/shared_library.h says why).
function(highport_soname var library)
  execute_process(COMMAND ${CMAKE_OBJDUMP} -p ${library}
                  OUTPUT_VARIABLE dump RESULT_VARIABLE status ERROR_QUIET)
  string(REGEX MATCH "SONAME +([^\n ]+)" found "${dump}")
  if(NOT status EQUAL 0 OR NOT found)
    message(FATAL_ERROR "cannot read the SONAME of ${library} with ${CMAKE_OBJDUMP} -p")
  endif()
  set(${var} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()
