"""Run bundles: safetensors + JSON, ONNX, TorchScript, model card. Never pickle."""
