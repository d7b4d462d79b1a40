"""Speech synthesis: backends behind one interface, a cache, and the choice of a voice."""
