package dev.mlops.core.spec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.LambdaFunction;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import scala.collection.Iterator;

/**
 * The SQL expressions of a spec (feature {@code expr}, training slice {@code expr}, {@code satisfies}
 * predicates), checked when the spec loads: parsed with Spark's SQL parser (no SparkSession needed), and the
 * columns they name resolved against the columns the expression will see, where the spec declares them.
 * Functions are not resolved (that needs a session's catalog); a misspelt function still fails at run time.
 */
final class SqlExpressions {
    private SqlExpressions() {
    }

    /** Parses an expression; a syntax error is a {@link SpecViolation} of {@code key} carrying the parser's message. */
    static Expression parse(String sql, String key) {
        try {
            return CatalystSqlParser$.MODULE$.parseExpression(sql);
        } catch (Exception e) { // ParseException (a checked exception Scala does not declare), or the parser's runtime errors
            throw new SpecViolation(key, "expected a valid Spark SQL expression, got '" + sql + "': " + firstLine(String.valueOf(e.getMessage())));
        }
    }

    /**
     * Checks that every column an expression names is one of {@code columns} (case-insensitive, as Spark
     * resolves them; for {@code a.b} the column {@code a}); an unknown column is a {@link SpecViolation} of {@code key}.
     */
    static void resolve(String sql, Collection<String> columns, String key, String what) {
        Expression e = parse(sql, key);
        Set<String> known = new HashSet<>();
        columns.forEach(c -> known.add(c.toLowerCase(Locale.ROOT)));
        Set<String> lambdaVars = new HashSet<>();
        List<String> referenced = new ArrayList<>();
        walk(e, referenced, lambdaVars);
        for (String name : referenced) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!known.contains(lower) && !lambdaVars.contains(lower)) {
                throw new SpecViolation(key, "the expression '" + sql + "' names the column '" + name + "', which is not one of "
                        + what + " " + new TreeSet<>(columns));
            }
        }
    }

    /** The columns an expression names (first name part), in order of appearance. */
    static List<String> columns(String sql, String key) {
        List<String> referenced = new ArrayList<>();
        walk(parse(sql, key), referenced, new HashSet<>());
        return referenced;
    }

    private static void walk(Expression e, List<String> referenced, Set<String> lambdaVars) {
        if (e instanceof UnresolvedAttribute a) {
            referenced.add(a.nameParts().head());
            return;
        }
        if (e instanceof LambdaFunction f) {
            Iterator<NamedExpression> args = f.arguments().iterator();
            while (args.hasNext()) {
                lambdaVars.add(args.next().name().toLowerCase(Locale.ROOT));
            }
        }
        Iterator<Expression> children = e.children().iterator();
        while (children.hasNext()) {
            walk(children.next(), referenced, lambdaVars);
        }
    }

    private static String firstLine(String message) {
        String m = message == null ? "" : message.strip();
        int cut = m.indexOf("\n");
        return cut < 0 ? m : m.substring(0, cut).strip();
    }
}
