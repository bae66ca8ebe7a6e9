"""The figures: load and validate a data folder, the quotes that state them, and the
consistency of rows that state one fact twice. The only part of the report that reads
data files."""
