"""The locked import cell is deleted: it is put back, and every exercise still counts."""
EXPECT = 5
MESSAGE = r"locked cell\(s\) setup were missing.*put back"
DELETE = ["setup"]
