"""Complete studies: data in, report out."""
