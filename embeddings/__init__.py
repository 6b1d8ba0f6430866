"""Concept embeddings: text encoders, graph trainers and vector indexes."""
