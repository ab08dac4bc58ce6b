"""Networks as data: specs, the layer registry, shape inference, presets, building."""
