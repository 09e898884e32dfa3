"""Weight files: nn.save and nn.load (serialize: JSON or safetensors), the state dicts they hold and
check (state), the safetensors format (safetensors_format), and files that keep what they replace
(files: atomic writes, bounded reads). Pickles of nn's objects are named in nn/pickling.py, whose
module path every pickle records, so it stays where it is."""
