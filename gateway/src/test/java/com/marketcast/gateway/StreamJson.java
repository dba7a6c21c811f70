package com.marketcast.gateway;

/** Messages of a {@code stream:{channelId}} as the job publishes them (PROTOCOL section 3). */
final class StreamJson {
    private StreamJson() {}

    static String snapshot(String market, long epoch, long version) {
        return "{\"type\":\"snapshot\",\"marketId\":\""
                + market
                + "\",\"epoch\":"
                + epoch
                + ",\"version\":"
                + version
                + ",\"ts\":1,\"market\":{\"marketId\":\""
                + market
                + "\",\"status\":\"OPEN\",\"version\":"
                + version
                + ",\"selections\":[{\"id\":\"home\",\"price\":1.85,\"display\":\"1.85\"}]}}";
    }

    static String delta(String market, long epoch, long version, long prev) {
        return "{\"type\":\"delta\",\"marketId\":\""
                + market
                + "\",\"epoch\":"
                + epoch
                + ",\"version\":"
                + version
                + ",\"prev\":"
                + prev
                + ",\"ts\":1,\"changes\":{\"selections\":[{\"id\":\"home\",\"price\":1.9,"
                + "\"display\":\"1.90\"}]}}";
    }
}
