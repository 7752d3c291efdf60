import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

/** Prints the result of one SQL query against a DuckDB file, read-only: java -cp tracker.jar CountRows.java FILE SQL */
public class CountRows {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("access_mode", "READ_ONLY");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + args[0], p);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(args[1])) {
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    sb.append(i > 1 ? " " : "").append(rs.getString(i));
                }
                System.out.println(sb);
            }
        }
    }
}
