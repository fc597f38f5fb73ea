// The desk's script: placeholder until the page lands.
