# The Model page: architecture, weights, head options and the freeze map.
target_sources(fovea_ui PRIVATE
)
