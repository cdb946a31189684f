"""An endless loop in exercise 3: the cell is interrupted at the time limit; 1 and 2 count."""
EXPECT = 3
MESSAGE = r"ex3_relu ran past the time limit"
ANSWERS = {"ex3_relu": "while True:\n    pass\n"}
