// Uses the C++ standard library for real: containers, strings, algorithms, exceptions.
#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>
#include <cstring>

static std::string summarize(const std::string &text) {
    std::map<std::string, int> counts;
    std::istringstream in(text);
    for (std::string word; in >> word;) counts[word]++;
    if (counts.empty()) throw std::invalid_argument("no words");
    std::vector<std::pair<std::string, int>> sorted(counts.begin(), counts.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](auto &a, auto &b) { return a.second > b.second; });
    std::ostringstream out;
    out << sorted.front().first << "x" << sorted.front().second << " of " << counts.size() << " distinct";
    return out.str();
}

extern "C" int cxx_summarize(const char *text, char *out, size_t size) {
    try {
        std::string s = summarize(text);
        std::strncpy(out, s.c_str(), size - 1);
        out[size - 1] = 0;
        return 0;
    } catch (const std::exception &e) {
        std::strncpy(out, e.what(), size - 1);
        out[size - 1] = 0;
        return 1;
    }
}
