// The `reg` format: one regedit file per Windows host that the plan gives
// registry values (the RPC port pool of KB 154596 and the pinned services'
// static ports), and one that undoes it.
//
//   reg/<host>.reg           apply: reg import on the host, then restart what it names
//   reg/<host>-rollback.reg  rollback: removes what the first one set
//   reg/README.txt           the files, their restarts, and what was left out and why
//
// The .reg files are exactly what regedit exports (emit/reg_file.h), with
// `;` comment lines after the header naming the proposal ids and restarts.
// A plan with nothing for Windows' registry gives no files at all.
#pragma once

#include "emit/emitted_file.h"
#include "plan/plan.h"

namespace highport::emit {

EmittedFiles WriteReg(const plan::Plan& plan);

}  // namespace highport::emit
