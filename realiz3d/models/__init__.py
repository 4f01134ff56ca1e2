from .domain_shifter import REAL, SYNTHETIC, DomainShifter, DomainShifters, ShifterConfig, resolve_domain
from .families import TextCondition, family_of
from .model import ModelConfig, Realiz3DTransformer
from ..checkpoint import load_backbone

__all__ = [
    "REAL", "SYNTHETIC", "DomainShifter", "DomainShifters", "ShifterConfig", "resolve_domain",
    "TextCondition", "family_of", "ModelConfig", "Realiz3DTransformer", "load_backbone",
]
