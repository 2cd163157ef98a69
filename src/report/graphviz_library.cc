#include "report/graphviz_library.h"

#include "fmt/format.h"
#include "model/shared_library.h"

namespace highport::report {

const Result<GraphvizLibrary>& LoadGraphviz() {
  static const Result<GraphvizLibrary> loaded = []() -> Result<GraphvizLibrary> {
    // cgraph first: libgvc needs it, and the loader then finds it loaded.
    SharedLibrary cgraph(HIGHPORT_CGRAPH_SONAME);
    SharedLibrary gvc(HIGHPORT_GVC_SONAME);
    GraphvizLibrary gv{};
    gvc.Bind(gv.context, "gvContext");
    gvc.Bind(gv.layout, "gvLayout");
    gvc.Bind(gv.render_data, "gvRenderData");
    gvc.Bind(gv.free_render_data, "gvFreeRenderData");
    gvc.Bind(gv.free_layout, "gvFreeLayout");
    cgraph.Bind(gv.open, "agopen");
    cgraph.Bind(gv.close, "agclose");
    cgraph.Bind(gv.subgraph, "agsubg");
    cgraph.Bind(gv.node, "agnode");
    cgraph.Bind(gv.edge, "agedge");
    cgraph.Bind(gv.safe_set, "agsafeset");
    cgraph.Bind(gv.set_error_level, "agseterr");
    cgraph.Bind(gv.set_error_function, "agseterrf");
    cgraph.Bind(gv.directed, "Agdirected");
    for (const SharedLibrary* lib : {&cgraph, &gvc}) {
      if (!lib->error().empty()) {
        return Error{fmt::format(
            "the map needs Graphviz (libgvc, libcgraph), which could not be loaded: {}",
            lib->error())};
      }
    }
    return gv;
  }();
  return loaded;
}

}  // namespace highport::report
