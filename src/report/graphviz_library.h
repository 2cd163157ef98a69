// The Graphviz functions the report's map calls (libgvc and libcgraph),
// bound when the first map is drawn rather than at startup
// (model/shared_library.h says why).
#pragma once
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "model/result.h"

namespace highport::report {

struct GraphvizLibrary {
  // libgvc: layout and rendering.
  decltype(&gvContext) context;
  decltype(&gvLayout) layout;
  decltype(&gvRenderData) render_data;
  decltype(&gvFreeRenderData) free_render_data;
  decltype(&gvFreeLayout) free_layout;
  // libcgraph: the graph.
  decltype(&agopen) open;
  decltype(&agclose) close;
  decltype(&agsubg) subgraph;
  decltype(&agnode) node;
  decltype(&agedge) edge;
  decltype(&agsafeset) safe_set;
  decltype(&agseterr) set_error_level;
  decltype(&agseterrf) set_error_function;
  const Agdesc_t* directed;  // the data symbol Agdirected
};

// Loaded once per process, from any thread. The error names the library
// and why it could not be loaded.
const Result<GraphvizLibrary>& LoadGraphviz();

}  // namespace highport::report
