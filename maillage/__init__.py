"""Maillage: the shared platform of a CAF and its partner local authorities."""
