"""The Python `influxdb` client (v1 API) against taildb with authentication ENABLED (a fresh server,
no users yet): the bootstrap rule, the client's user-management calls, the full v1 run as an admin,
READ / WRITE users held to their privileges, and 401 / 403 surfaced as the client raises them.
"""

import sys

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBClientError

from common import address, check, expect_error
from v1_client import run

ADMIN, ADMIN_PW = "admin", "adm-Pw-1"


def client(host, port, user, pw, db=None):
    return InfluxDBClient(host, port, username=user, password=pw, database=db)


def main(host, port):
    anon = client(host, port, "", "")
    check(anon.ping() == "1.8.10", "/ping is open without credentials")

    # Bootstrap: before an admin exists only `CREATE USER … WITH ALL PRIVILEGES` runs (whatever
    # credentials are sent: the client's default root:root here).
    boot = InfluxDBClient(host, port)
    expect_error(boot.get_list_database, InfluxDBClientError, code=403,
                 contains="create admin user first or disable authentication")
    expect_error(lambda: boot.create_user("plain", "pw"), InfluxDBClientError, code=403,
                 contains="create admin user first")
    boot.create_user(ADMIN, ADMIN_PW, admin=True)

    # From now on credentials are required and checked.
    expect_error(anon.get_list_database, InfluxDBClientError, code=401,
                 contains="unable to parse authentication credentials")
    expect_error(boot.get_list_database, InfluxDBClientError, code=401,
                 contains="authorization failed")
    expect_error(client(host, port, ADMIN, "wrong").get_list_database, InfluxDBClientError,
                 code=401, contains="authorization failed")

    # The admin can do everything the auth-off run does (writes in every precision, gzip,
    # chunked queries, errors) — credentials sent as HTTP Basic by this client.
    run(host, port, username=ADMIN, password=ADMIN_PW)

    admin = client(host, port, ADMIN, ADMIN_PW, db="sec")
    admin.create_database("sec")
    admin.create_database("other")
    admin.write_points(["m,host=a v=1 1700000000000000000", "m,host=b v=2 1700000001000000000"],
                       protocol="line")
    admin.write_points(["secret v=42 1700000000000000000"], protocol="line", database="other")
    admin.create_user("reader", "r-pw")
    admin.create_user("writer", "w-pw")
    admin.grant_privilege("read", "sec", "reader")
    admin.grant_privilege("write", "sec", "writer")
    users = admin.get_list_users()
    check({"user": ADMIN, "admin": True} in users and {"user": "reader", "admin": False} in users,
          f"SHOW USERS: {users}")
    check(admin.get_list_privileges("reader") == [{"database": "sec", "privilege": "READ"}],
          f"SHOW GRANTS FOR reader: {admin.get_list_privileges('reader')}")
    check(admin.get_list_privileges("writer") == [{"database": "sec", "privilege": "WRITE"}],
          f"SHOW GRANTS FOR writer: {admin.get_list_privileges('writer')}")

    # READ: queries its database, sees only it, cannot write, drop, manage users or read `other`.
    reader = client(host, port, "reader", "r-pw", db="sec")
    rows = list(reader.query("SELECT v FROM m", epoch="s").get_points())
    check([r["v"] for r in rows] == [1.0, 2.0], f"reader reads sec: {rows}")
    check(reader.get_list_database() == [{"name": "sec"}],
          f"SHOW DATABASES filtered: {reader.get_list_database()}")
    expect_error(lambda: reader.write_points(["m v=3"], protocol="line"), InfluxDBClientError,
                 code=403, contains="reader\\\" user is not authorized to write to database")
    expect_error(lambda: reader.query("SELECT v INTO m2 FROM m"), InfluxDBClientError, code=403,
                 contains="requires WRITE on sec")
    expect_error(lambda: reader.query("SELECT * FROM other.autogen.secret"), InfluxDBClientError,
                 code=403, contains="requires READ on other")
    expect_error(lambda: reader.query("SELECT v FROM secret", database="other"),
                 InfluxDBClientError, code=403, contains="not authorized")
    expect_error(lambda: reader.drop_database("sec"), InfluxDBClientError, code=403,
                 contains="requires admin privilege")
    expect_error(lambda: reader.query('DROP MEASUREMENT "m"'), InfluxDBClientError, code=403,
                 contains="not authorized")
    expect_error(lambda: reader.create_user("x", "y", admin=True), InfluxDBClientError, code=403,
                 contains="requires admin privilege")
    expect_error(reader.get_list_users, InfluxDBClientError, code=403, contains="requires admin")

    # WRITE: writes its database, cannot read it.
    writer = client(host, port, "writer", "w-pw", db="sec")
    check(writer.write_points(["m,host=c v=3 1700000002000000000"], protocol="line"), "writer")
    check(writer.write_points([{"measurement": "m", "tags": {"host": "d"}, "fields": {"v": 4.0},
                                "time": 1700000003}], time_precision="s", database="sec"),
          "writer, JSON points, second precision")
    expect_error(lambda: writer.query("SELECT v FROM m"), InfluxDBClientError, code=403,
                 contains="requires READ on sec")
    expect_error(lambda: writer.write_points(["x v=1"], protocol="line", database="other"),
                 InfluxDBClientError, code=403,
                 contains="writer\\\" user is not authorized to write to database")
    rows = list(admin.query("SELECT count(v) FROM m").get_points())
    check(rows[0]["count"] == 4, f"writer's points landed: {rows}")
    rows = list(admin.query("SELECT count(v) FROM secret", database="other").get_points())
    check(rows[0]["count"] == 1, f"nothing written to other: {rows}")

    # SET PASSWORD, REVOKE, DROP USER take effect at once.
    admin.set_user_password("reader", "r-pw-2")
    expect_error(reader.get_list_database, InfluxDBClientError, code=401,
                 contains="authorization failed")
    reader.switch_user("reader", "r-pw-2")
    check(reader.get_list_database() == [{"name": "sec"}], "new password works")
    admin.revoke_privilege("read", "sec", "reader")
    check(admin.get_list_privileges("reader") == [{"database": "sec",
                                                   "privilege": "NO PRIVILEGES"}],
          f"revoked: {admin.get_list_privileges('reader')}")
    expect_error(lambda: reader.query("SELECT v FROM m"), InfluxDBClientError, code=403,
                 contains="requires READ on sec")
    admin.drop_user("reader")
    expect_error(reader.get_list_database, InfluxDBClientError, code=401,
                 contains="authorization failed")
    check({"user": "reader", "admin": False} not in admin.get_list_users(), "dropped")

    # A second admin via GRANT ALL PRIVILEGES; the hash never shows in any answer.
    admin.grant_admin_privileges("writer")
    writer.drop_database("other")
    check({"name": "other"} not in admin.get_list_database(), "writer, now admin, dropped other")
    for q in ("SHOW USERS", "SHOW GRANTS FOR writer", "SHOW QUERIES", "SHOW DIAGNOSTICS"):
        try:
            text = repr(admin.query(q).raw)
        except InfluxDBClientError as e:
            text = str(e)
        check("argon2" not in text and "w-pw" not in text and ADMIN_PW not in text,
              f"{q} shows no password or hash: {text}")


if __name__ == "__main__":
    h, p = address()
    main(h, p)
    print("v1 client with auth: ok")
    sys.exit(0)
