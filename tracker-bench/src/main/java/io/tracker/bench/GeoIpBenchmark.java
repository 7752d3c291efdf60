package io.tracker.bench;

import io.tracker.core.enrich.GeoIp;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GeoIP lookups (ip2location-java, memory-mapped BIN) of random IPv4 addresses, as the pipeline does once per event
 * when geoip.path is set. {@code -p bin=/path/to/file.BIN}; run with {@code -t 2} to see contention.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GeoIpBenchmark {
    @Param("../shared/fixtures/geoip/IP2LOCATION-LITE-DB1.BIN")
    public String bin;

    private GeoIp geoip;

    @Setup
    public void open() throws Exception {
        geoip = GeoIp.open(bin).orElseThrow();
    }

    @TearDown
    public void close() {
        geoip.close();
    }

    @Benchmark
    public GeoIp.Lookup lookup() {
        int a = ThreadLocalRandom.current().nextInt();
        String ip = ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
        return geoip.lookup(ip);
    }
}
