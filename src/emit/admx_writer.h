// The `admx` format (the first seed's method 2): an administrative template
// for the RPC static port pool and the static service ports, with the plan's
// values per host group as text, since a template defines policies and a
// GPO holds values.
//
//   admx/highport.admx          the template (the same for every plan)
//   admx/en-US/highport.adml    its en-US strings and presentations
//   admx/values-<group>.txt     which policy to enable with which value, per group
//   admx/README.txt             where each file goes (local or central store)
//   admx/rollback.txt           rollback: Disabled, gpupdate, remove the empty key, restart
//
// A plan with nothing for Windows' registry gives no files at all.
#pragma once

#include "emit/emitted_file.h"
#include "plan/plan.h"

namespace highport::emit {

EmittedFiles WriteAdmx(const plan::Plan& plan);

}  // namespace highport::emit
