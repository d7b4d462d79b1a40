"""Drawing pieces the lessons share; each number they show is bound to its trace path."""
