"""The adversarial suite: real zotmark processes killed, fed hostile input and bad servers."""
