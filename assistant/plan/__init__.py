"""Planning what to paint: paintable regions, the value study and the ordered steps."""
