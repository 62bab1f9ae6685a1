# Writes the built-in rule packs (src/compliance/packs/*.json) into a C++
# fragment included by src/compliance/rule_pack.cc.
#   cmake -DOUTPUT=<file> -DPACKS="<a.json;b.json>" -P embed_rule_packs.cmake
set(text "// Generated from src/compliance/packs/*.json by scripts/embed_rule_packs.cmake. DO NOT EDIT.\n")
string(APPEND text "struct BuiltInPackFile { std::string_view file; std::string_view text; };\n")
string(APPEND text "inline constexpr BuiltInPackFile kBuiltInRulePacks[] = {\n")
foreach(pack IN LISTS PACKS)
  file(READ "${pack}" body)
  string(FIND "${body}" ")bcpack\"" bad)
  if(NOT bad EQUAL -1)
    message(FATAL_ERROR "${pack} contains the raw-string delimiter )bcpack\"")
  endif()
  get_filename_component(name "${pack}" NAME)
  string(APPEND text "    {\"${name}\", R\"bcpack(${body})bcpack\"},\n")
endforeach()
string(APPEND text "};\n")
file(WRITE "${OUTPUT}.tmp" "${text}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
