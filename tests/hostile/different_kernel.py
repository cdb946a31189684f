"""The notebook asks for another kernel (R): it is graded with the course's Python kernel."""
EXPECT = 5
MESSAGE = r"asked for the kernel 'ir'.*graded with the course's kernel"
KERNELSPEC = {"name": "ir", "display_name": "R", "language": "R"}
