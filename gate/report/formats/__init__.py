"""Formatters: each turns a Result into one CI system's native output. They format; they decide nothing."""
