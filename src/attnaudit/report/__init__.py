"""Aggregate tables and figures: reads result tables only, never models."""
