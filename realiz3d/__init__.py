"""realiz3d: domain-aware fine-tuning of diffusion transformers for photorealistic 3D control."""
__version__ = "0.1.0"
